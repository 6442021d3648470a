"""Microsoft's and the extension's rules for overage, judged before Microsoft is called.

:func:`evaluate` takes the facts the service gathered and what the user wants to do, and returns
every finding at once — blocking ones first, then warnings, then information — so a user sees all
there is to fix in one go rather than one problem per attempt. Each finding names the intents it
stops (``blocks``); its words come from the catalogue (:mod:`connect_ext.errors.catalogue`).

Two deliberate exceptions to "every finding":

- a caller who may not act for the customer gets only ``CALLER_NOT_ALLOWED``: the other findings
  would tell them about a customer they must not see;
- without a Microsoft tenant id nothing was read from Partner Center, so only ``TENANT_ID_UNKNOWN``
  and the Connect-side rules (country) are judged; the rest would state falsehoods ("no Azure
  plan") about a customer that was never looked at.
"""
from dataclasses import dataclass, field, replace
from typing import Any, Collection, Dict, Iterable, List, Optional, Tuple, Union

from connect_ext import vocabulary
from connect_ext.config import DEFAULT_BLOCKED_COUNTRIES
from connect_ext.errors import catalogue
from connect_ext.errors.error import OverageError
from connect_ext.overage.access import may_see
from connect_ext.overage.facts import OverageFacts
from connect_ext.vocabulary import (
    AUDIENCE_PARTNER,
    CREATE,
    CREATED_SUBSCRIPTION_NAME,
    CREATES_AZURE_PLAN,
    CREATES_AZURE_SUBSCRIPTION,
    DISABLE,
    ENABLE,
    STATUS_DISABLED,
    STATUS_ENABLED,
    STATUS_OTHER_PARTNER,
    STATUS_UNKNOWN,
    same_id,
)


CHINA = 'CN'
# Qualifications that still mean "plain commercial customer"; any other one is out of scope.
_COMMERCIAL_QUALIFICATIONS = frozenset({'', 'none', 'commercial'})
_DEFAULT_BLOCKED = frozenset(code.strip() for code in DEFAULT_BLOCKED_COUNTRIES.split(','))
_SEVERITY_RANK = {vocabulary.BLOCKING: 0, vocabulary.ERROR: 0, vocabulary.WARNING: 1, vocabulary.INFO: 2}
# What to do first, first: what nobody can fix (nothing else is worth doing then), what must be
# known before anything is read, what takes another partner (the longest wait), then Microsoft's
# prerequisites in the order they build on each other.
BLOCKER_ORDER: Tuple[str, ...] = (
    'CALLER_NOT_ALLOWED',
    'CHINA_NOT_SUPPORTED',
    'COUNTRY_NOT_SUPPORTED',
    'CUSTOMER_QUALIFICATION_NOT_SUPPORTED',
    'TENANT_ID_UNKNOWN',
    'OVERAGE_HELD_BY_OTHER_PARTNER',
    'LEGACY_AZURE_PRESENT',
    'NO_ACTIVE_AZURE_PLAN',
    'NO_ACTIVE_AZURE_SUBSCRIPTION',
    'MCA_NOT_ACCEPTED',
    'AZURE_SUBSCRIPTION_AVAILABLE',
    'AZURE_SUBSCRIPTION_NOT_ELIGIBLE',
)


@dataclass(frozen=True)
class Intent:
    """What the user asks for: send overage to an Azure subscription (a chosen one, or one Microsoft
    creates with the change), or set it to None."""

    ENABLE = ENABLE
    CREATE = CREATE
    DISABLE = DISABLE

    action: str
    azure_subscription_id: Optional[str] = None

    @classmethod
    def enable(cls, azure_subscription_id: str) -> 'Intent':
        """Enable overage, or move it, to ``azure_subscription_id`` (an Azure entitlement id)."""
        chosen = (azure_subscription_id or '').strip()
        if not chosen:
            raise ValueError('enabling overage needs an Azure subscription id')
        return cls(ENABLE, chosen)

    @classmethod
    def create(cls) -> 'Intent':
        """Enable (or move) overage to a new Azure subscription that Microsoft creates: under the
        customer's active Azure plan, or with a new no-cost Azure plan."""
        return cls(CREATE)

    @classmethod
    def disable(cls) -> 'Intent':
        return cls(DISABLE)

    @property
    def enabling(self) -> bool:
        """Overage is on afterwards (to a chosen Azure subscription or a created one)."""
        return self.action in (ENABLE, CREATE)


@dataclass(frozen=True)
class Finding:
    code: str
    severity: str
    message: str
    reason: str
    action: str
    params: Dict[str, Any] = field(default_factory=dict)
    blocks: Tuple[str, ...] = ()
    # A blocking finding someone can remove; False: nothing can be done (China, a qualification...).
    fixable: bool = True

    @classmethod
    def of(cls, code: str, **params: Any) -> 'Finding':
        """The finding of catalogue ``code``, its texts filled from ``params``; ``params.settings``
        lists the variables the entry is about, which its texts never name."""
        item = catalogue.entry(code)
        texts = catalogue.render_entry(code, params)
        if item.settings:
            params = {**params, 'settings': list(item.settings)}
        return cls(
            code=code,
            severity=item.severity,
            message=texts.message,
            reason=texts.reason,
            action=texts.action,
            params={name: value for name, value in params.items() if value is not None},
            blocks=item.blocks,
            fixable=item.fixable,
        )

    def in_words_of(
        self, audience: str = AUDIENCE_PARTNER, params: Optional[Dict[str, Any]] = None,
    ) -> 'Finding':
        """The same finding in the words ``audience`` reads (``params``: those it may see)."""
        shown = dict(self.params if params is None else params)
        texts = catalogue.render_entry(self.code, shown, audience)
        return replace(self, message=texts.message, reason=texts.reason, action=texts.action, params=shown)

    def blocks_intent(self, intent: Union['Intent', str, None]) -> bool:
        action = intent.action if isinstance(intent, Intent) else intent
        return action in self.blocks

    def to_error(self) -> OverageError:
        """The API error for a blocking finding (the service refuses the change with it)."""
        return OverageError.from_code(self.code, **self.params)

    def to_dict(self) -> Dict[str, Any]:
        return {
            'code': self.code,
            'severity': self.severity,
            'message': self.message,
            'reason': self.reason,
            'action': self.action,
            'params': dict(self.params),
            'blocks': list(self.blocks),
        }


def blocking_findings(findings: Iterable[Finding], intent: Union[Intent, str]) -> List[Finding]:
    """The findings that stop ``intent``, in order: the first one is what the API answers."""
    return [finding for finding in findings if finding.blocks_intent(intent)]


def is_already_in_requested_state(findings: Iterable[Finding]) -> bool:
    """The change would change nothing: the service answers success without writing."""
    return any(finding.code in catalogue.ALREADY_IN_REQUESTED_STATE for finding in findings)


# --- the rules -----------------------------------------------------------------------------------

def caller_may_act(facts: OverageFacts) -> bool:
    """The caller may see the customer the facts are about (:func:`access.may_see`)."""
    return may_see(facts.caller, facts.customer)


def _countries(facts: OverageFacts) -> List[str]:
    seen: List[str] = []
    candidates = [facts.customer.country, facts.ms_customer.country if facts.ms_customer else None]
    for country in candidates:
        code = (country or '').strip().upper()
        if code and code not in seen:
            seen.append(code)
    return seen


def _scope(facts: OverageFacts, blocked_countries: Collection[str]) -> List[Finding]:
    countries = _countries(facts)
    if CHINA in countries:
        return [Finding.of('CHINA_NOT_SUPPORTED', country=CHINA)]
    blocked = [country for country in countries if country in blocked_countries]
    if blocked:
        return [Finding.of('COUNTRY_NOT_SUPPORTED', country=blocked[0])]
    return []


def _qualification(facts: OverageFacts) -> List[Finding]:
    qualifications = facts.ms_customer.qualifications if facts.ms_customer else []
    qualified = [
        name.strip() for name in qualifications
        if (name or '').strip().lower() not in _COMMERCIAL_QUALIFICATIONS
    ]
    if qualified:
        return [Finding.of('CUSTOMER_QUALIFICATION_NOT_SUPPORTED', qualification=qualified)]
    return []


def _partner_center_prerequisites(facts: OverageFacts) -> List[Finding]:
    findings: List[Finding] = []
    if not facts.active_ovg_subscriptions:
        findings.append(_no_ovg_subscription(facts))
    legacy = facts.legacy_azure_subscriptions
    if legacy:
        offer_ids = sorted({sub.offer_id for sub in legacy if sub.offer_id})
        findings.append(Finding.of('LEGACY_AZURE_PRESENT', legacy_offer_ids=offer_ids))
    plans = facts.active_azure_plans
    if not plans:
        findings.append(Finding.of('NO_ACTIVE_AZURE_PLAN'))
    elif not facts.eligible_entitlements:
        findings.append(Finding.of(
            'NO_ACTIVE_AZURE_SUBSCRIPTION', azure_plan_ids=[plan.id for plan in plans],
        ))
    return findings


def _no_ovg_subscription(facts: OverageFacts) -> Finding:
    """Partner Center shows no active OVG subscription: order one, unless Connect holds one (not
    provisioned yet, or sold through another partner account) — another would be a duplicate."""
    held = tuple(facts.customer.ovg_asset_ids)
    if held:
        return Finding.of('OVG_SUBSCRIPTION_NOT_IN_PARTNER_CENTER', connect_asset_ids=list(held))
    return Finding.of('NO_ACTIVE_OVG_SUBSCRIPTION')


def _current_state(facts: OverageFacts) -> List[Finding]:
    status = facts.overage_status
    current = facts.current_azure_subscription_id
    if status == STATUS_OTHER_PARTNER:
        return [Finding.of(
            'OVERAGE_HELD_BY_OTHER_PARTNER',
            current_azure_subscription_id=current,
            current_partner_id=facts.overage.partner_id if facts.overage else None,
        )]
    if status == STATUS_UNKNOWN:
        return [Finding.of('OVERAGE_STATE_UNKNOWN')]
    findings: List[Finding] = []
    if status == STATUS_ENABLED:
        if not facts.active_ovg_subscriptions:
            findings.append(Finding.of(
                'OVERAGE_ENABLED_WITHOUT_OVG_SUBSCRIPTION', current_azure_subscription_id=current,
            ))
        state = _target_problem(facts, current)
        if state:
            findings.append(Finding.of(
                'OVERAGE_TARGET_NOT_ACTIVE', current_azure_subscription_id=current, state=state,
            ))
    return findings


def _target_problem(facts: OverageFacts, azure_subscription_id: Optional[str]) -> Optional[str]:
    """Why the Azure subscription overage goes to cannot collect it, or None when it can."""
    target = facts.find_entitlement(azure_subscription_id)
    if target is None:
        return None
    if not target.is_active:
        return f'the Azure subscription is {target.status or "in no known status"}'
    plan = facts.plan_of(target)
    if plan is not None and not plan.is_active:
        return f'its Azure plan is {plan.status or "in no known status"}'
    return None


def _enable(facts: OverageFacts, chosen: str) -> List[Finding]:
    status = facts.overage_status
    if status == STATUS_ENABLED and same_id(facts.current_azure_subscription_id, chosen):
        return [Finding.of('OVERAGE_ALREADY_ENABLED', azure_subscription_id=chosen)]
    findings: List[Finding] = []
    if not facts.is_eligible(chosen):
        findings.append(Finding.of(
            'AZURE_SUBSCRIPTION_NOT_ELIGIBLE',
            azure_subscription_id=chosen,
            eligible_azure_subscription_ids=[item.id for item in facts.eligible_entitlements],
        ))
    findings.append(Finding.of('OVERAGE_COLLECTS_ALL_PARTNERS', azure_subscription_id=chosen))
    return findings


def creation_of(facts: OverageFacts) -> str:
    """What Microsoft creates when overage is enabled without naming an Azure subscription."""
    return CREATES_AZURE_SUBSCRIPTION if facts.creation_plan is not None else CREATES_AZURE_PLAN


def describe_creation(facts: OverageFacts) -> str:
    """The words of :func:`creation_of`, for the findings and the pages."""
    plan = facts.creation_plan
    if plan is None:
        return f'a new no-cost Azure plan with the Azure subscription "{CREATED_SUBSCRIPTION_NAME}"'
    name = plan.friendly_name or plan.offer_name or 'Azure plan'
    return f'a new Azure subscription under the Azure plan {name} ({plan.id})'


def _creation(facts: OverageFacts) -> List[Finding]:
    """Whether Microsoft would create an Azure subscription, and what the customer must have for it.

    Only where the customer has no Azure subscription that may receive the overage (Microsoft uses
    the active "Subscription 1" when there is one); a new Azure plan needs the customer's
    acceptance of the Microsoft Customer Agreement.
    """
    findings: List[Finding] = []
    eligible = facts.eligible_entitlements
    if eligible:
        findings.append(Finding.of(
            'AZURE_SUBSCRIPTION_AVAILABLE',
            eligible_azure_subscription_ids=[item.id for item in eligible],
        ))
    elif facts.creation_plan is None:
        if facts.mca_accepted is False:
            findings.append(Finding.of('MCA_NOT_ACCEPTED'))
        elif facts.mca_accepted is None:
            findings.append(Finding.of('MCA_ACCEPTANCE_UNKNOWN'))
    return findings


def _create(facts: OverageFacts) -> List[Finding]:
    findings = _creation(facts)
    findings.append(Finding.of('NEW_AZURE_SUBSCRIPTION_BILLED', creates=describe_creation(facts)))
    findings.append(Finding.of('OVERAGE_COLLECTS_ALL_PARTNERS'))
    return findings


def creation_findings(facts: OverageFacts, settings: Any = None) -> List[Finding]:
    """Every finding that stops creating an Azure subscription (for the options' answer)."""
    return blocking_findings(evaluate(facts, settings, Intent.create()), Intent.create())


def _disable(facts: OverageFacts) -> List[Finding]:
    if facts.overage_status == STATUS_DISABLED:
        return [Finding.of('OVERAGE_ALREADY_DISABLED')]
    return [Finding.of('DISABLE_STOPS_AT_LIMIT', count=len(facts.active_ovg_subscriptions))]


def _intent(facts: OverageFacts, intent: Optional[Intent]) -> List[Finding]:
    if intent is None:
        return []
    if intent.action == ENABLE:
        return _enable(facts, intent.azure_subscription_id or '')
    if intent.action == CREATE:
        return _create(facts)
    if intent.action == DISABLE:
        return _disable(facts)
    raise ValueError(f'unknown intent {intent.action!r}')


def _blocked_countries(settings: Any) -> Collection[str]:
    configured = getattr(settings, 'blocked_countries', None)
    if configured is None:
        return _DEFAULT_BLOCKED
    return frozenset((code or '').strip().upper() for code in configured)


def evaluate(
    facts: OverageFacts, settings: Any = None, intent: Optional[Intent] = None,
) -> List[Finding]:
    """Every finding about ``facts`` for ``intent`` (None: just looking), blocking first.

    ``settings`` is anything with ``blocked_countries`` (``connect_ext.config.Settings``); without
    it, the default list applies.
    """
    if not caller_may_act(facts):
        return [Finding.of(
            'CALLER_NOT_ALLOWED',
            account_id=facts.caller.account_id,
            customer_id=facts.customer.customer_id,
        )]
    findings: List[Finding] = []
    if not (facts.customer.tenant_id or '').strip():
        findings.append(Finding.of(
            'TENANT_ID_UNKNOWN',
            customer_id=facts.customer.customer_id,
            customer_name=facts.customer.name,
        ))
        findings += _scope(facts, _blocked_countries(settings))
        return _ordered(findings)
    findings += _scope(facts, _blocked_countries(settings))
    findings += _qualification(facts)
    findings += _partner_center_prerequisites(facts)
    findings += _current_state(facts)
    findings += _intent(facts, intent)
    if _overage_on_or_switching_on(facts, intent, findings):
        findings.append(Finding.of('COMMUNICATIONS_CREDITS_AUTO_RECHARGE'))
    if facts.active_ovg_subscriptions:
        findings.append(Finding.of('NO_MARGIN_OR_PEC'))
    return _ordered(findings)


def _overage_on_or_switching_on(
    facts: OverageFacts, intent: Optional[Intent], findings: List[Finding],
) -> bool:
    """Where the Communications Credits warning applies: overage is on (ours), it is being switched
    on, or — just looking — it is off and some way of switching it on is open. A balance with
    auto-recharge on keeps overage "on" without it ever collecting."""
    if intent is not None and intent.action == DISABLE:
        return False
    if facts.overage_status == STATUS_ENABLED:
        return True
    if intent is not None:
        return intent.enabling
    if facts.overage_status != STATUS_DISABLED:
        return False
    return not (blocking_findings(findings, ENABLE) and blocking_findings(findings, CREATE))


def _step(finding: Finding) -> int:
    try:
        return BLOCKER_ORDER.index(finding.code)
    except ValueError:
        return len(BLOCKER_ORDER)


def _ordered(findings: List[Finding]) -> List[Finding]:
    """Blocking first, in :data:`BLOCKER_ORDER`, then warnings, then information; each code once."""
    once: Dict[str, Finding] = {}
    for finding in findings:
        once.setdefault(finding.code, finding)
    return sorted(
        once.values(),
        key=lambda finding: (
            _SEVERITY_RANK[finding.severity],
            _step(finding) if finding.severity == vocabulary.BLOCKING else 0,
        ),
    )
