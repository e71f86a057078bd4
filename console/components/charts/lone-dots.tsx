/**
 * A line's dots: only where a point stands alone, with no neighbouring point to draw a segment
 * to (hours without requests have no latency, minutes without samples no process CPU), so a
 * range with a single hour of traffic still shows its point. Hollow ones go with dashed lines.
 */
export function loneDots<Row, Key extends keyof Row>(rows: Row[], key: Key, color: string, hollow = false) {
  const LoneDot = (props: { cx?: number; cy?: number; index?: number }) => {
    const i = props.index ?? -1;
    const alone = rows[i]?.[key] != null && rows[i - 1]?.[key] == null && rows[i + 1]?.[key] == null;
    if (!alone || props.cx === undefined || props.cy === undefined) return <g key={`none-${i}`} />;
    return <circle key={`dot-${i}`} className="lone-dot" cx={props.cx} cy={props.cy} r={4} fill={hollow ? 'var(--mantine-color-body)' : color} stroke={color} strokeWidth={2} />;
  };
  return LoneDot;
}
