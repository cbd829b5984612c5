/**
 * Who may publish what on the embedded broker. Writers — the service's own client (its configured credentials, or a
 * per-process internal one when none are configured) and any client with the configured credentials — publish
 * anything. Anonymous clients (allowed only on loopback, and only when no credentials are configured) read
 * everything but may not publish under the service's topics (commands, events, retained state) nor under the Home
 * Assistant discovery prefix: a local process must not relabel samples, start trainings, fake alerts or overwrite
 * discovery. The one exception is `catwatch doctor`'s non-retained round trip under `<base>/doctor/`.
 */
export interface BrokerAcl { baseTopic: string; discoveryPrefix: string }

const under = (topic: string, prefix: string): boolean => topic === prefix || topic.startsWith(`${prefix}/`);

export function anonymousMayPublish(acl: BrokerAcl, topic: string, retain: boolean): boolean {
  if (under(topic, acl.discoveryPrefix)) return false;
  if (!under(topic, acl.baseTopic)) return true;
  return !retain && topic.startsWith(`${acl.baseTopic}/doctor/`);
}
