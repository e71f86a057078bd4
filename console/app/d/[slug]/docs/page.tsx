'use client';

import { PublicFrame } from '../../../../components/public-frame';
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
    <PublicFrame link={{ href: `/d/${encodeURIComponent(slug)}`, label: 'Web form' }}>
      <ApiDocs slug={slug} />
    </PublicFrame>
  );
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
