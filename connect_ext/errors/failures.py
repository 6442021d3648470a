"""The catalogue's failures: what Microsoft answered, the extension's own access, the web API's refusals.

Data only (see :mod:`connect_ext.errors.catalogue`).
"""
from connect_ext.errors.entry import entry
from connect_ext.vocabulary import ERROR, WARNING


# What Microsoft answers.
MICROSOFT_ANSWERS = (
    entry(
        'AZURE_SUBSCRIPTION_NOT_FOUND', ERROR, 404,
        'Partner Center found no Azure subscription[ {azure_subscription_id}] under this '
        "customer's Azure plan.",
        "The id must be an Azure subscription (entitlement) of the customer's NCE Azure plan "
        '(Partner Center error 800111); it may have been cancelled, or belong to another customer.',
        "Reload the customer's options and pick an active Azure subscription of its Azure plan, "
        'or create one.',
    ),
    entry(
        'NOT_ELIGIBLE_TO_MANAGE_OVERAGE', ERROR, 403,
        'Microsoft says your partner account is not eligible to manage overage for this customer'
        '[ ({tenant_id})].',
        'Only Admin agents of the transacting partner may change overage, and Microsoft expects '
        'that partner to sell the customer an active overage-capable subscription (Partner Center '
        'error 800114).',
        "Check that the customer's OVG subscription was bought through this partner account and "
        'that the integration user is an Admin agent. An indirect reseller must ask its '
        'distributor to make the change.',
    ),
    entry(
        'MICROSOFT_FOUND_NO_OVG_SUBSCRIPTION', ERROR, 422,
        'Microsoft refused to enable overage for this customer[ ({tenant_id})], and Partner Center '
        'shows no overage-capable (OVG) subscription of it under your partner account.',
        'Microsoft enables overage only for a customer that holds an active overage-capable '
        'subscription from any partner. It answered that your account is not eligible to manage '
        "this customer's overage (Partner Center error 800114); with no OVG subscription under "
        'your account, the likeliest cause is that the customer holds none anywhere.',
        'Order an OVG item for the customer (for example a Teams Phone OVG SKU), wait until the '
        'subscription is active, then enable overage again. If the customer holds one from '
        'another partner, have it check with that partner that the subscription is active, and '
        'check that the integration user is an Admin agent.',
    ),
    entry(
        'NO_RESELLER_RELATIONSHIP', ERROR, 403,
        'Your partner account has no reseller relationship with this customer in Partner Center'
        '[ ({tenant_id})].',
        'Microsoft lets a partner act only for customers it has a commerce relationship with '
        '(Partner Center error 20002).',
        "Check that the Microsoft tenant id recorded in Connect is this customer's. If it is, "
        'send the customer a reseller relationship request from Partner Center and wait until it '
        'is accepted.',
    ),
    entry(
        'MICROSOFT_TENANT_NOT_FOUND', ERROR, 404,
        "Partner Center does not know the customer's Microsoft tenant[ {tenant_id}].",
        'The tenant id recorded in Connect matches no customer of your partner account[ (Partner '
        'Center error {microsoft_code})].',
        "Check the tenant id parameter of the customer's Microsoft subscription in Connect and "
        'correct it.',
        settings=('TENANT_ID_PARAMS',),
    ),
    entry(
        'MICROSOFT_SUBSCRIPTION_NOT_FOUND', ERROR, 404,
        'Partner Center could not find a subscription of this customer[ ({subscription_id})].',
        'It may have been cancelled or moved since it was last read (Partner Center error 20003).',
        "Reload the customer's overage page so that its subscriptions are read again, then retry.",
    ),
    entry(
        'MICROSOFT_NOT_FOUND', ERROR, 404,
        'Partner Center could not find what the extension asked for[ ({path})].',
        'A customer, subscription or Azure subscription that was read earlier no longer exists in '
        'Partner Center.',
        "Reload the customer's overage page and retry; if it persists, check the customer's "
        'Microsoft tenant id in Connect.',
    ),
    entry(
        'MICROSOFT_INVALID_REQUEST', ERROR, 422,
        'Partner Center rejected the request as invalid[: {microsoft_description}]',
        "Microsoft did not accept one of the values sent, usually the Azure subscription id or "
        "the reseller's partner id[ (Partner Center error {microsoft_code})].",
        "Check the Azure subscription id and the reseller's partner id, then retry. If it "
        'persists, contact support[ with correlation id {correlation_id}].',
    ),
    entry(
        'RESELLER_PARTNER_ID_INVALID', ERROR, 422,
        "Microsoft does not accept the reseller's partner id[ {partner_id}] for this customer.",
        "In the indirect model, the reseller's partner id (MPN id) must belong to an indirect "
        'reseller linked to your partner account[ (Partner Center error {microsoft_code})].',
        "Correct the reseller's Microsoft partner id (MPN id) on its tier-1 account in Connect, or "
        'have the reseller link to you in Partner Center, then retry. If the id on the tier-1 '
        'account is right, ask the administrator of this extension in Connect to check which '
        'tier-1 parameter its settings read the partner id from.',
        settings=('RESELLER_MPN_PARAM',),
    ),
    entry(
        'RESELLER_AGREEMENT_NOT_ACCEPTED', ERROR, 403,
        'The reseller has not accepted the Microsoft Partner Agreement.',
        'Microsoft blocks transactions for an indirect reseller until it accepts the agreement '
        '(Partner Center error 900123).',
        'Ask the reseller to accept the Microsoft Partner Agreement in Partner Center, then retry.',
    ),
    entry(
        'PARTNER_AGREEMENT_NOT_ACCEPTED', ERROR, 403,
        "The distributor's partner account has not accepted the Microsoft Partner Agreement.",
        'Microsoft blocks transactions until the partner accepts the agreement (Partner Center '
        'error 900124).',
        "The distributor's Global admin must accept the Microsoft Partner Agreement in Partner "
        'Center, then retry.',
    ),
    entry(
        'PARTNER_PROGRAM_NOT_ACTIVE', ERROR, 403,
        "The distributor's Cloud Solution Provider program status is not active.",
        'Microsoft accepts transactions only from partners whose CSP program enrolment is active '
        '(Partner Center error 900149).',
        "The distributor must check its program status in Partner Center and contact Microsoft "
        'partner support to restore it.',
    ),
    entry(
        'AZURE_PLAN_SANDBOX_LIMIT', ERROR, 422,
        'The Partner Center sandbox account cannot hold another Azure plan.',
        'Sandbox (integration) accounts may hold only a few Azure plans unless Microsoft granted '
        'access (Partner Center error 900116).',
        'Use an existing Azure plan in the sandbox, or apply to Microsoft for Azure plan sandbox '
        'access.',
    ),
    entry(
        'MCA_ALREADY_RECORDED', ERROR, 409,
        "Partner Center already holds this customer's acceptance of the Microsoft Customer "
        'Agreement with these contact details.',
        'Microsoft records one partner confirmation per customer contact (Partner Center error '
        '600061); it takes another only when the name, email or phone differ.',
        'Nothing to record: create the Azure subscription again. If Microsoft still refuses it, '
        'contact Microsoft support.',
    ),
    entry(
        'MCA_TEMPLATE_UNAVAILABLE', ERROR, 502,
        'Partner Center named no Microsoft Customer Agreement template to record the acceptance '
        'against.',
        "An acceptance is recorded against the template id of Microsoft's agreement metadata "
        '(GET /v1/agreements?agreementType=MicrosoftCustomerAgreement), which came back without '
        'one.',
        'Retry in a few minutes; if it keeps happening, record the acceptance in Partner Center.',
    ),
    entry(
        'MICROSOFT_CONFLICT', ERROR, 409,
        "Partner Center reported a conflict with the customer's current state.",
        'Another change to this customer may be in progress in Partner Center.',
        "Wait a minute, reload the customer's overage page, and make the change again if it is "
        'still needed.',
    ),
    entry(
        'MICROSOFT_REJECTED', ERROR, 422,
        'Partner Center rejected the request[ with error {microsoft_code}][: '
        '{microsoft_description}]',
        'Microsoft gave a reason the Overage Manager does not know how to explain yet.',
        "If Microsoft's description does not say what to fix, contact support[ and quote "
        'correlation id {correlation_id}].',
    ),
)

# The extension's own access to Microsoft.
MICROSOFT_ACCESS = (
    entry(
        'PARTNER_CENTER_CREDENTIALS_REJECTED', ERROR, 502,
        'The Overage Manager could not sign in to Microsoft Partner Center.',
        "Partner Center refused the extension's credentials (application id, secret or refresh "
        'token). This is a configuration problem of the extension, not of your request.',
        'Ask the administrator of this extension in Connect to check the Partner Center tenant, '
        "application id, secret and refresh token in the extension's settings (the refresh token "
        "comes from an Admin agent's App+User consent, with MFA), then retry.",
        settings=('PARTNER_CENTER_TENANT_ID', 'PARTNER_CENTER_CLIENT_ID', 'PARTNER_CENTER_CLIENT_SECRET',
                  'PARTNER_CENTER_REFRESH_TOKEN'),
    ),
    entry(
        'PARTNER_CENTER_REFRESH_TOKEN_EXPIRED', ERROR, 502,
        "Microsoft no longer accepts the extension's Partner Center refresh token, so the Overage "
        'Manager cannot sign in to Partner Center.',
        'Microsoft Entra ID refused the App+User refresh token[ ({microsoft_description})]. A '
        'refresh token dies 90 days after it was issued unless the extension renews it by using '
        'it, and at once when it is revoked (a password reset, the consent withdrawn). This is a '
        'configuration problem of the extension, not of your request.',
        'Ask the administrator of this extension in Connect to renew the App+User consent: sign in '
        "as an Admin agent with MFA through the secure application model's consent and put the new "
        "refresh token in the extension's settings (the extension starts again from it and keeps it "
        'renewed from then on), then retry.',
        settings=('PARTNER_CENTER_REFRESH_TOKEN',),
    ),
    entry(
        'PARTNER_CENTER_MFA_REQUIRED', ERROR, 502,
        'Microsoft Partner Center refused the extension\'s sign-in because it was not made with '
        'multifactor authentication.',
        'Partner Center requires every App+User call to carry proof of multifactor '
        "authentication (Partner Center error 900421): the extension's refresh token must come "
        "from an Admin agent's sign-in with MFA, as Microsoft's secure application model "
        'prescribes. This is a configuration problem of the extension, not of your request.',
        'Ask the administrator of this extension in Connect to sign in again as an Admin agent with '
        "MFA through the secure application model's consent and put the new refresh token in the "
        "extension's settings, then retry.",
        settings=('PARTNER_CENTER_REFRESH_TOKEN',),
    ),
    entry(
        'REFRESH_TOKEN_LONG_UNUSED', WARNING, None,
        'The Partner Center refresh token has gone 60 days or more without use[ (last used '
        '{used_at})].',
        'Microsoft Entra ID lets a refresh token die 90 days after it was issued; the extension '
        'renews it each time it signs in to Partner Center, which it has not done lately. Once it '
        'dies, every App+User call fails until the consent is renewed.',
        'Run the Partner Center connection test on this page: it signs in, which renews the token. '
        "If the test fails, renew the App+User consent and put the new refresh token in the "
        "extension's settings in Connect.",
        settings=('PARTNER_CENTER_REFRESH_TOKEN',),
    ),
    entry(
        'REFRESH_TOKEN_UNREADABLE', WARNING, None,
        'The renewed Partner Center refresh token in the store cannot be decrypted, so the '
        "extension signs in with the refresh token as configured in its settings.",
        'The stored token was encrypted with another key: the token encryption key (or, when none '
        'is set, the application secret) changed since. The configured token is older than the '
        'stored one, and Microsoft may no longer accept it.',
        "Put the previous token encryption key back in the extension's settings, or run the Partner "
        'Center connection test: if it passes, the renewed token is stored again under the current '
        'key; if it fails, renew the App+User consent and put the new refresh token in the '
        "extension's settings.",
        settings=('TOKEN_ENCRYPTION_KEY', 'PARTNER_CENTER_CLIENT_SECRET', 'PARTNER_CENTER_REFRESH_TOKEN'),
    ),
    entry(
        'PARTNER_CENTER_ACCESS_DENIED', ERROR, 403,
        "Partner Center denied the extension's user this operation.",
        "The user behind the extension's Partner Center credentials lacks the Admin agent role, "
        'which changing overage requires[ (Partner Center error {microsoft_code})].',
        "The distributor's administrator must give the integration user the Admin agent role in "
        'Partner Center (or renew the App+User consent with such a user), then retry.',
    ),
    entry(
        'PARTNER_CENTER_INTEGRATION_ERROR', ERROR, 502,
        'Partner Center did not accept the way the extension called it[ (HTTP '
        '{microsoft_status})].',
        'Microsoft refused the request method or format, which points to an outdated '
        'integration, not to your input.',
        "Report this to the extension's maintainers[ with correlation id {correlation_id}]; "
        'retrying will not help.',
    ),
    entry(
        'THROTTLED', ERROR, 429,
        'Partner Center is limiting requests for this customer right now.',
        'Microsoft caps how many calls a partner may make per minute, and the extension\'s '
        'retries ran out.',
        'Wait[ {retry_after_seconds} seconds] before trying again.',
        transient=True,
    ),
    entry(
        'MICROSOFT_UNAVAILABLE', ERROR, 503,
        'Microsoft Partner Center is temporarily unavailable.',
        'Partner Center could not be reached or said it was busy, even after the extension '
        'retried.',
        "Retry in a few minutes. If you were changing overage, reload the customer's overage first "
        'to see whether the change went through.',
        transient=True,
    ),
    entry(
        'MICROSOFT_ERROR', ERROR, 502,
        'Microsoft Partner Center failed while handling the request.',
        'Partner Center reported an internal error[ (HTTP {microsoft_status})][, error '
        '{microsoft_code}], even after the extension retried.',
        "Retry in a few minutes; reload the customer's overage first if you were changing it. If "
        'it keeps failing, contact Microsoft support[ with correlation id {correlation_id}].',
        transient=True,
    ),
    entry(
        'MICROSOFT_TIMEOUT', ERROR, 504,
        'Microsoft Partner Center did not answer in time.',
        'The extension waited and retried without an answer, so a change may or may not have '
        'been applied.',
        "Reload the customer's overage to see its current state before you try again.",
        transient=True,
    ),
)

# The web API's own answers.
API_ANSWERS = (
    entry(
        'VALIDATION_FAILED', ERROR, 422,
        'The request is not valid[: {problem}]',
        'A field is missing or malformed[ ({field})].',
        'Correct the request and send it again: azure_subscription_id is an Azure subscription '
        'GUID, or null to disable overage; or send create_azure_subscription true alone to have '
        'Microsoft create one.',
    ),
    entry(
        'MCA_ACCEPTANCE_NOT_CONFIRMED', ERROR, 422,
        "The customer's acceptance of the Microsoft Customer Agreement was not confirmed.",
        'Recording the acceptance tells Microsoft, on your word, that the customer accepted the '
        'agreement on that date; it is only recorded when you confirm it (customer_accepted true).',
        'Have the customer accept the Microsoft Customer Agreement, then send the request again '
        'with customer_accepted true.',
    ),
    entry(
        'STALE_STATE', ERROR, 412,
        "The customer's overage changed since you loaded it.",
        'The change was based on an older reading of the customer\'s overage, so it was not '
        "applied, to avoid overwriting someone else's change.",
        "Reload the customer's overage, check the current state, and make the change again if it "
        'is still needed.',
    ),
    entry(
        'IDEMPOTENCY_KEY_REUSED', ERROR, 422,
        'This Idempotency-Key was already used for a different request.',
        'One key stands for one change; the same key with another body would be ambiguous.',
        'Send a new Idempotency-Key for a new change, or repeat the original request unchanged.',
    ),
    entry(
        'INTERNAL_ERROR', ERROR, 500,
        'Something went wrong inside the Overage Manager.',
        'An unexpected error happened and was logged[ with reference {reference}].',
        'Retry. If it happens again, contact support[ and quote reference {reference}].',
    ),
    entry(
        'CHANGE_NOT_CONFIRMED', WARNING, 202,
        'Microsoft accepted the change, but Partner Center does not show it yet.',
        'Partner Center applies overage changes with a delay, and reading it back[ for '
        '{waited_seconds} seconds] did not show the new setting.',
        "Reload the customer's overage in a few minutes to check it; do not send the change again "
        'before that.',
    ),
)

# The web API's own refusals (routes, Connect, concurrency).
API_REFUSALS = (
    entry(
        'ROUTE_NOT_FOUND', ERROR, 404,
        'There is no such route in the Overage Manager API[: {method} {path}].',
        'The path does not match any route of the API.',
        'Check the path against the API reference (docs/openapi.json).',
    ),
    entry(
        'METHOD_NOT_ALLOWED', ERROR, 405,
        'This route does not accept the method[ {method}].',
        'The route exists, but not for this HTTP method.',
        'Check the method against the API reference (docs/openapi.json).',
    ),
    entry(
        'ASSET_NOT_FOUND', ERROR, 404,
        'No subscription[ {asset_id}] is known to the Overage Manager.',
        'The id is not a Connect subscription (AS-...) of a customer that your account can reach.',
        'Check the subscription id, or open the customer from the Manage Overage list.',
    ),
    entry(
        'PRODUCT_NOT_FOUND', ERROR, 404,
        'No product[ {product_id}] is available to the Overage Manager.',
        'The id is not a Connect product (PRD-...) that your account can see, or it is not one of '
        "the products the extension's settings name.",
        'Check the product id, or leave it out to list the items of every configured product.',
        settings=('PRODUCT_IDS',),
    ),
    entry(
        'CHANGE_IN_PROGRESS', ERROR, 409,
        "Another change of this customer's overage is still running.",
        "Changes of one customer's overage run one at a time, and the previous one did not "
        'finish in time.',
        "Wait a minute, reload the customer's overage, and make the change again if it is still "
        'needed.',
    ),
    entry(
        'CONNECT_UNAVAILABLE', ERROR, 503,
        'CloudBlue Connect could not be reached.',
        'The Overage Manager reads customers, subscriptions and products from Connect, which did '
        'not answer or said it was busy[ (HTTP {connect_status})].',
        'Retry in a few minutes.',
    ),
    entry(
        'CONNECT_ERROR', ERROR, 502,
        'CloudBlue Connect refused a request of the Overage Manager[ (HTTP {connect_status})].',
        "Connect did not accept the extension's own request[ ({connect_code})]; this is not a "
        'problem of your request.',
        "Report this to the distributor's administrator; retrying will not help.",
    ),
    entry(
        'INVALID_JSON_BODY', ERROR, 400,
        'The request body is not valid JSON[: {problem}].',
        'A request body must be one JSON document in UTF-8 (RFC 8259), each key of an object given '
        'once: with a repeated key, which value counts would be a guess.',
        'Send the body as UTF-8 JSON, each key once, with Content-Type: application/json.',
    ),
    entry(
        'REQUEST_BODY_TOO_LARGE', ERROR, 413,
        'The request body is too large[ (more than {limit_bytes} bytes)].',
        'Every request body of this API is a few small fields; a larger one is refused before it '
        'is read to the end.',
        'Send only the fields the API reference names for this route (docs/openapi.json).',
    ),
    entry(
        'HTTP_ERROR', ERROR, 400,
        'The request could not be served[ (HTTP {status})].',
        'The request did not fit what the API accepts.',
        'Check the request against the API reference (docs/openapi.json).',
    ),
    entry(
        'CUSTOMER_CHANGES_DISABLED', ERROR, 403,
        'Customers cannot change their own overage here.',
        'The provider has not allowed customers to change overage themselves (the administrator '
        "of this extension decides it in the extension's settings).",
        'Ask your provider to enable, move or disable overage for you.',
        settings=('CUSTOMERS_MAY_CHANGE',),
    ),
    entry(
        'CUSTOMERS_CANNOT_RECORD_AGREEMENTS', ERROR, 403,
        "A customer cannot record its own acceptance of the Microsoft Customer Agreement here.",
        'The partner confirms the acceptance to Microsoft on the customer\'s behalf; only the '
        'distributor and the customer\'s reseller may record it.',
        'Ask your provider to record it once you have accepted the agreement.',
    ),
    entry(
        'WEBHOOK_DELIVERY_FAILED', ERROR, 502,
        'A change notification could not be delivered to the webhook URL.',
        "The receiver at the webhook URL of the extension's settings refused it or did not answer, "
        'even after the retries[ ({attempts} attempts)].',
        'Check that the receiver is up and accepts the signed notifications; the change itself '
        'was made and is in the audit trail.',
        settings=('OVERAGE_WEBHOOK_URL',),
    ),
    entry(
        'WEBHOOK_DESTINATION_REFUSED', ERROR, 502,
        'A change notification was not sent: the webhook URL is not an allowed destination.',
        'Notifications go only to an https receiver on the internet: a host that is, or resolves '
        'to, a loopback, private, link-local or otherwise internal address is refused, and a '
        'redirect is never followed.',
        'Ask the administrator of this extension in Connect to set its webhook URL to an https URL '
        'of a receiver reachable on the internet; the change itself was made and is in the audit '
        'trail.',
        settings=('OVERAGE_WEBHOOK_URL',),
    ),
)
