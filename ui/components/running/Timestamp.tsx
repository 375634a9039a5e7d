import { formatDateTime, formatUtc } from '../../lib/format';

/**
 * An instant in the viewer's time zone, with UTC on hover (the API's and Databricks' zone). Day
 * before month, as `formatDay` writes the days of charts and causes beside it.
 */
export function Timestamp({ value }: { value: string }) {
  const date = new Date(value);
  return (
    <time dateTime={value} title={formatUtc(date)}>
      {formatDateTime(date, 'en-GB')}
    </time>
  );
}
