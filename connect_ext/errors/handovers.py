"""The catalogue's handover entries: the API's refusals of a handover request, and what a request's
state says to the people who read it, by audience (:mod:`.audiences`): partner staff ask the
customer; the customer, on its own page, asks the partner that holds its overage — and reads no
partner id and no variable.

Data only (see :mod:`connect_ext.errors.catalogue`). The words follow Microsoft's own: "the three
parties involved must first agree", then the partner that holds the overage sets it to None, and
only then can another partner assign it.
"""
from dataclasses import replace

from connect_ext.errors.entry import entry, for_customer
from connect_ext.vocabulary import ERROR, INFO, WARNING


def _customer(item, **texts):
    """``item`` with the words a customer reads on its own page."""
    return replace(item, customer=for_customer(**texts))


# The web API's refusals of PUT and DELETE /customers/{id}/overage/handover.
HANDOVER_REFUSALS = (
    entry(
        'HANDOVER_NOT_NEEDED', ERROR, 409,
        "No other partner holds this customer's overage now: there is nothing to hand over"
        '[ (Microsoft shows it {shown})].',
        'A handover waits for another partner to release the overage; Microsoft shows no other '
        "partner holding this customer's overage, so the request would never be answered.",
        'Enable or move the overage on the customer\'s page directly; nothing was recorded and '
        'nothing was sent to Microsoft.',
    ),
    entry(
        'HANDOVER_ALREADY_REQUESTED', ERROR, 409,
        'This customer already has a handover request waiting[ (asked {requested_at})].',
        'A customer has one handover request at a time, so the partner that holds its overage is '
        'asked once.',
        "Read the customer's handover request on its page (or with GET on the handover route); "
        'cancel it first (DELETE) to ask again with another target.',
    ),
    entry(
        'HANDOVER_NOT_FOUND', ERROR, 404,
        'This customer has no open handover request.',
        'It was never asked, or it ended already (released, cancelled or expired).',
        "Read the customer's handover request on its page to see how the last one ended.",
    ),
)

# What a request says while it lives and once it ended. Codes ending in _FOR_CUSTOMER are the
# customer's own words (it reads its home page); the others are the partners'.
HANDOVER_STATES = (
    _customer(entry(
        'HANDOVER_WAITING', INFO, None,
        'Waiting for the partner that holds the overage[ ({holder_partner_id})] to release it.',
        'Microsoft lets one partner at a time collect a customer\'s overage: the three parties '
        'involved (the customer and both partners) must first agree, then the partner that holds it '
        'sets it to None, and only then can another partner assign it.',
        'Ask the customer to ask the partner that collects its overage now to set overage to None '
        'in Partner Center, saying it moves to you. Nothing else is needed here: as soon as '
        'Microsoft shows it released, this request enables the overage to its target (or only '
        'tells you, when asked to notify only)[; it waits until {expires_at}].',
    ),
        message='Your provider is waiting for the partner that holds your overage now to release it.',
        reason='Microsoft lets one partner at a time collect your overage: you and both partners '
               'must first agree, then the partner that holds it sets it to None, and only then can '
               'your provider take it.',
        action='Ask the partner that collects your overage now to set overage to None in Partner '
               'Center for your tenant, saying it moves to your provider. Nothing else is needed: '
               'your provider takes it over as soon as Microsoft shows it released[ (the request '
               'waits until {expires_at})].',
    ),
    _customer(entry(
        'HANDOVER_HOLDER_CHANGED', WARNING, None,
        'The overage moved to another partner[ ({current_holder_partner_id})] without being '
        'released.',
        'Microsoft shows a different partner holding it than when the handover was asked; the '
        'overage was never set to None, so nothing could be enabled.',
        'The request still waits. Ask the customer to have the partner that holds it now set '
        'overage to None in Partner Center.',
    ),
        message='Your overage moved to another partner without being released.',
        action='The request still waits. Ask the partner that collects your overage now to set it '
               'to None in Partner Center, saying it moves to your provider.',
    ),
    _customer(entry(
        'HANDOVER_RELEASED', INFO, None,
        'The other partner released the overage[ on {released_at}]; nothing was enabled, as asked.',
        'The request asked to be told when the overage is released, not to enable it then.',
        'Enable the overage on the customer\'s page now, before another partner assigns it: until '
        'then every OVG subscription of the customer stops at its limit.',
    ),
        message='The other partner released your overage[ on {released_at}].',
        reason='Your provider asked to be told, not to enable it at once.',
        action='Ask your provider to enable your overage now: until then your calling stops at its '
               'monthly limit.',
    ),
    entry(
        'HANDOVER_ENABLING', INFO, None,
        'The other partner released the overage; enabling it to the target is under way.',
        'Microsoft showed the overage released, and the request asked to enable it then.',
        'Reload in a moment to see how the change ended.',
    ),
    entry(
        'HANDOVER_ENABLED', INFO, None,
        'The other partner released the overage and it was enabled to the target[ ({outcome})].',
        'Microsoft showed the overage released, and the request enabled it through the same '
        'change a person makes, every rule checked again at that moment.',
        'Nothing to do; the change is in the customer\'s history.',
    ),
    _customer(entry(
        'HANDOVER_STOPPED', WARNING, None,
        'The other partner released the overage, but enabling it was stopped[: {stop_message}].',
        'The change was checked against every rule when the overage was released, and one of '
        'them (or Microsoft) refused it[ ({stop_code})].',
        'Do what the reason says, then enable the overage on the customer\'s page; until then every '
        'OVG subscription of the customer stops at its limit.',
    ),
        message='The other partner released your overage, but your provider could not enable it yet.',
        action='Contact your provider: until it is enabled, your calling stops at its monthly limit.',
    ),
    entry(
        'HANDOVER_CANCELLED', INFO, None,
        'The handover request was cancelled[ on {ended_at}].',
        'Someone who may change this customer\'s overage cancelled it.',
        'Ask again when the customer and the partners agree.',
    ),
    _customer(entry(
        'HANDOVER_EXPIRED', INFO, None,
        'The handover request expired[ on {expires_at}] before the other partner released the '
        'overage.',
        'A request waits for the other partner only as many days as the extension is set to wait'
        '[ ({waited_days} days)].',
        'Check with the customer that the partner that holds it agreed to release it, then ask '
        'again.',
        settings=('HANDOVER_DAYS',),
    ),
        reason='A request waits a limited number of days for the other partner.',
        action='Check with the partner that holds your overage that it agreed to release it, then '
               'ask your provider to request it again.',
    ),
)
