/**
 * Who the customer home page is for, and whether that customer may change it.
 *
 * The page never guesses the customer from the portal's shared context (Connect does not document
 * a key for it): the API answers `GET /caller` from what Connect sends with the call
 * (`X-Connect-Tier-Account-Id`), and only a customer id (TA-…) of a customer caller is accepted.
 */
import { isCustomerId } from './deeplink.js';

/** The customer id of a `GET /caller` answer, or null when the caller is not a customer. */
export function customerIdOfCaller(caller) {
  if (!caller || caller.role !== 'customer') return null;
  return isCustomerId(caller.customer_id) ? caller.customer_id : null;
}

/**
 * Whether the state lets its viewer change it: only when the API says so in `permissions`
 * (`{"can_change": true}`); without permissions the page is read-only.
 */
export function mayChange(state) {
  return Boolean(state && state.permissions && state.permissions.can_change === true);
}
