import type { DatasetData } from './operations/account';

/**
 * Uploads a CSV to the project's datasets (multipart, same origin, the session cookie) and
 * reports how much of it has been sent: XMLHttpRequest, because fetch cannot report the progress
 * of a request body. `onProgress` gets 0 to 1.
 */
export function uploadDataset(projectId: string, file: File, onProgress: (share: number) => void): Promise<DatasetData & { createdAt?: string }> {
  return new Promise((resolve, reject) => {
    const form = new FormData();
    form.append('file', file, file.name);
    const request = new XMLHttpRequest();
    request.open('POST', `/api/v1/projects/${encodeURIComponent(projectId)}/datasets`);
    request.responseType = 'json';
    request.upload.onprogress = (event) => {
      if (event.lengthComputable && event.total > 0) onProgress(event.loaded / event.total);
    };
    request.onload = () => {
      const body = request.response as (DatasetData & { createdAt?: string; error?: string }) | null;
      if (request.status >= 200 && request.status < 300 && body) {
        onProgress(1);
        resolve(body);
      } else {
        reject(new Error(body?.error ?? `The upload failed (HTTP ${request.status})`));
      }
    };
    request.onerror = () => reject(new Error('Cannot reach the Berth server: the upload did not finish'));
    request.send(form);
  });
}
