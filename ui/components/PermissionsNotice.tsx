import { Alert } from './kit/Alert';

/** Shown while the service still reads job permissions after a start: the figures cover fewer jobs. */
export function PermissionsNotice() {
  return (
    <Alert tone="info" title="Job permissions are still loading">
      <p>
        Job Monitor has just started and has not read every job&apos;s permissions yet. This page
        shows only the jobs it already knows you can see; reload in a minute for the rest.
      </p>
    </Alert>
  );
}
