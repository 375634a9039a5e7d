import { describeApiError, type ApiError } from '../lib/apiErrors';
import { Alert } from './kit/Alert';

/** An error the API returned as data, in the user's words; a warehouse warming up is amber. */
export function ApiErrorAlert({ error }: { error: ApiError }) {
  const { tone, title, detail } = describeApiError(error);
  return (
    <Alert tone={tone === 'ok' || tone === 'neutral' ? 'info' : tone} title={title}>
      {detail !== null && <p>{detail}</p>}
    </Alert>
  );
}
