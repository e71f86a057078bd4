import { ProtoWriter } from './protobuf';

/**
 * A small ONNX graph builder over the ModelProto field numbers of onnx/onnx.proto (IR version 8):
 * nodes, constant initializers, typed inputs and outputs, and the model around them. Only what
 * Berth's exports use; everything it writes is checked by loading it in ONNX Runtime.
 */

/** TensorProto.DataType values. */
export const DataType = { FLOAT: 1, INT64: 7, STRING: 8, BOOL: 9, DOUBLE: 11 } as const;
export type DataTypeCode = (typeof DataType)[keyof typeof DataType];

/** AttributeProto.AttributeType values. */
const AttributeType = { FLOAT: 1, INT: 2, STRING: 3, FLOATS: 6, INTS: 7, STRINGS: 8 } as const;

export type Attribute =
  | { name: string; int: number }
  | { name: string; float: number }
  | { name: string; string: string }
  | { name: string; ints: number[] }
  | { name: string; floats: number[] }
  | { name: string; strings: string[] };

/** A constant tensor; float and double values are written little-endian as raw_data. */
export type Constant =
  | { type: typeof DataType.FLOAT; dims: number[]; values: ArrayLike<number> }
  | { type: typeof DataType.DOUBLE; dims: number[]; values: ArrayLike<number> }
  | { type: typeof DataType.INT64; dims: number[]; values: ArrayLike<number> }
  | { type: typeof DataType.STRING; dims: number[]; values: string[] };

/** A graph input or output: its element type and shape; a string dimension is symbolic (the batch). */
export interface ValueInfo {
  name: string;
  type: DataTypeCode;
  shape: Array<number | string>;
  doc?: string;
}

export interface OnnxModel {
  graphName: string;
  doc: string;
  producerVersion: string;
  /** Opset versions by domain ('' is ai.onnx). */
  opsets: Record<string, number>;
  metadata: Record<string, string>;
}

export const IR_VERSION = 8;

export class GraphBuilder {
  private readonly nodes: ProtoWriter[] = [];
  private readonly initializers: ProtoWriter[] = [];
  private readonly inputs: ValueInfo[] = [];
  private readonly outputs: ValueInfo[] = [];
  private readonly names = new Set<string>();
  private counter = 0;

  /** A fresh internal value name; the prefix keeps it apart from feature names. */
  fresh(hint: string): string {
    let name: string;
    do name = `berth/${hint}_${this.counter++}`;
    while (this.names.has(name));
    this.names.add(name);
    return name;
  }

  input(info: ValueInfo): string {
    this.claim(info.name);
    this.inputs.push(info);
    return info.name;
  }

  /** Declares `value` a graph output (an Identity names it when it is not already the right name). */
  output(value: string, info: ValueInfo): void {
    if (value !== info.name) {
      this.claim(info.name);
      this.node('Identity', [value], [info.name]);
    }
    this.outputs.push(info);
  }

  constant(hint: string, tensor: Constant): string {
    const name = this.fresh(hint);
    this.initializers.push(tensorProto(name, tensor));
    return name;
  }

  /** Adds a node and returns its first output (named freshly unless given). */
  op(opType: string, inputs: string[], attributes: Attribute[] = [], domain = '', output?: string): string {
    const out = output ?? this.fresh(opType.toLowerCase());
    this.node(opType, inputs, [out], attributes, domain);
    return out;
  }

  node(opType: string, inputs: string[], outputs: string[], attributes: Attribute[] = [], domain = ''): void {
    const node = new ProtoWriter();
    for (const input of inputs) node.string(1, input);
    for (const output of outputs) node.string(2, output);
    node.string(3, `${opType}_${this.nodes.length}`);
    node.string(4, opType);
    for (const attribute of attributes) node.message(5, attributeProto(attribute));
    if (domain !== '') node.string(7, domain);
    this.nodes.push(node);
  }

  /** The serialized ModelProto. */
  model(model: OnnxModel): Uint8Array {
    const graph = new ProtoWriter();
    for (const node of this.nodes) graph.message(1, node);
    graph.string(2, model.graphName);
    for (const initializer of this.initializers) graph.message(5, initializer);
    graph.string(10, model.doc);
    for (const input of this.inputs) graph.message(11, valueInfoProto(input));
    for (const output of this.outputs) graph.message(12, valueInfoProto(output));

    const proto = new ProtoWriter();
    proto.varint(1, IR_VERSION);
    proto.string(2, 'berth');
    proto.string(3, model.producerVersion);
    proto.string(6, model.doc);
    proto.message(7, graph);
    for (const [domain, version] of Object.entries(model.opsets)) {
      const opset = new ProtoWriter();
      if (domain !== '') opset.string(1, domain);
      opset.varint(2, version);
      proto.message(8, opset);
    }
    for (const [key, value] of Object.entries(model.metadata)) proto.message(14, new ProtoWriter().string(1, key).string(2, value));
    return proto.finish();
  }

  private claim(name: string): void {
    if (this.names.has(name)) throw new Error(`the ONNX graph already has a value named "${name}"`);
    this.names.add(name);
  }
}

function attributeProto(attribute: Attribute): ProtoWriter {
  const proto = new ProtoWriter().string(1, attribute.name);
  if ('int' in attribute) return proto.varint(3, attribute.int).varint(20, AttributeType.INT);
  if ('float' in attribute) return proto.float(2, attribute.float).varint(20, AttributeType.FLOAT);
  if ('string' in attribute) return proto.string(4, attribute.string).varint(20, AttributeType.STRING);
  if ('ints' in attribute) return proto.packedVarints(8, attribute.ints).varint(20, AttributeType.INTS);
  if ('floats' in attribute) return proto.packedFloats(7, attribute.floats).varint(20, AttributeType.FLOATS);
  for (const value of attribute.strings) proto.string(9, value);
  return proto.varint(20, AttributeType.STRINGS);
}

function tensorProto(name: string, tensor: Constant): ProtoWriter {
  const proto = new ProtoWriter();
  const count = tensor.dims.reduce((a, b) => a * b, 1);
  if (count !== tensor.values.length) throw new RangeError(`constant ${name}: dims [${tensor.dims.join(', ')}] hold ${count} values, got ${tensor.values.length}`);
  proto.packedVarints(1, tensor.dims);
  proto.varint(2, tensor.type);
  if (tensor.type === DataType.STRING) {
    for (const value of tensor.values) proto.string(6, value);
  } else {
    const size = tensor.type === DataType.FLOAT ? 4 : 8;
    const raw = new Uint8Array(tensor.values.length * size);
    const view = new DataView(raw.buffer);
    for (let i = 0; i < tensor.values.length; i++) {
      const value = tensor.values[i]!;
      if (tensor.type === DataType.FLOAT) view.setFloat32(i * 4, value, true);
      else if (tensor.type === DataType.DOUBLE) view.setFloat64(i * 8, value, true);
      else view.setBigInt64(i * 8, BigInt(value), true);
    }
    proto.bytes(9, raw);
  }
  proto.string(8, name);
  return proto;
}

function valueInfoProto(info: ValueInfo): ProtoWriter {
  const shape = new ProtoWriter();
  for (const dim of info.shape) shape.message(1, typeof dim === 'number' ? new ProtoWriter().varint(1, dim) : new ProtoWriter().string(2, dim));
  const tensorType = new ProtoWriter().varint(1, info.type).message(2, shape);
  const proto = new ProtoWriter().string(1, info.name).message(2, new ProtoWriter().message(1, tensorType));
  if (info.doc) proto.string(3, info.doc);
  return proto;
}
