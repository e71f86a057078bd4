'use client';

import Link from 'next/link';
import { useParams } from 'next/navigation';
import { useEffect } from 'react';
import { ApiDocs } from '../../../../components/docs/api-docs';

/** The API documentation of a deployment: public for public deployments, else for whoever may call it. */
export default function DeploymentDocsPage() {
  const params = useParams<{ slug: string }>();
  const slug = safeDecode(params.slug ?? '');

  useEffect(() => {
    document.title = `${slug} API · Berth`;
  }, [slug]);

  return (
    <>
      <header className="topbar">
        <Link href="/" className="brand">
          Berth
        </Link>
        <span className="viewer">
          <Link href={`/d/${encodeURIComponent(slug)}`}>Web form</Link>
        </span>
      </header>
      <main className="page docs-page">
        <ApiDocs slug={slug} />
      </main>
    </>
  );
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
