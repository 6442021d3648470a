"""Typed Partner Center resources, shaped as Microsoft documents them (camelCase on the wire).

Every model reads a Microsoft JSON object with :func:`connect_ext.compat.parse` and ignores fields
it does not know, so a new field from Microsoft never breaks a read. Valid on pydantic 1 and 2.
"""
from typing import List, Optional

from pydantic import Field

from connect_ext.compat import ApiModel


AZURE_PLAN_PRODUCT_ID = 'DZH318Z0BPS6'
AZURE_PLAN_OFFER_PREFIX = AZURE_PLAN_PRODUCT_ID + ':'
LEGACY_AZURE_OFFER_PREFIX = 'MS-AZR-'
OVERAGE_TYPE_PHONE_SERVICES = 'PhoneServices'
CONSUMPTION_TYPE_OVERAGE = 'overage'


class Overage(ApiModel):
    """The customer-level overage assignment (one item per overage type, ``PhoneServices``)."""

    azure_entitlement_id: Optional[str] = Field(None, alias='azureEntitlementId')
    partner_id: Optional[str] = Field(None, alias='partnerId')
    type: Optional[str] = Field(OVERAGE_TYPE_PHONE_SERVICES, alias='type')
    overage_enabled: bool = Field(False, alias='overageEnabled')


class ProductType(ApiModel):
    id: Optional[str] = None
    display_name: Optional[str] = Field(None, alias='displayName')


class Subscription(ApiModel):
    id: str
    offer_id: Optional[str] = Field(None, alias='offerId')
    offer_name: Optional[str] = Field(None, alias='offerName')
    friendly_name: Optional[str] = Field(None, alias='friendlyName')
    quantity: Optional[int] = None
    status: Optional[str] = None
    billing_type: Optional[str] = Field(None, alias='billingType')
    consumption_type: Optional[str] = Field(None, alias='consumptionType')
    partner_id: Optional[str] = Field(None, alias='partnerId')
    term_duration: Optional[str] = Field(None, alias='termDuration')
    product_type: Optional[ProductType] = Field(None, alias='productType')

    @property
    def is_active(self) -> bool:
        return (self.status or '').lower() == 'active'

    @property
    def is_overage_capable(self) -> bool:
        return (self.consumption_type or '').lower() == CONSUMPTION_TYPE_OVERAGE

    @property
    def is_azure_plan(self) -> bool:
        return (self.offer_id or '').upper().startswith(AZURE_PLAN_OFFER_PREFIX)

    @property
    def is_legacy_azure(self) -> bool:
        return (self.offer_id or '').upper().startswith(LEGACY_AZURE_OFFER_PREFIX)


class AzureEntitlement(ApiModel):
    """An Azure subscription under an NCE Azure plan; its ``id`` goes into ``azureEntitlementId``."""

    id: str
    friendly_name: Optional[str] = Field(None, alias='friendlyName')
    status: Optional[str] = None
    subscription_id: Optional[str] = Field(None, alias='subscriptionId')

    @property
    def is_active(self) -> bool:
        return (self.status or '').lower() == 'active'


class CompanyProfile(ApiModel):
    tenant_id: Optional[str] = Field(None, alias='tenantId')
    domain: Optional[str] = None
    company_name: Optional[str] = Field(None, alias='companyName')


class Address(ApiModel):
    country: Optional[str] = None
    city: Optional[str] = None


class BillingProfile(ApiModel):
    company_name: Optional[str] = Field(None, alias='companyName')
    default_address: Optional[Address] = Field(None, alias='defaultAddress')


class Customer(ApiModel):
    """A customer tenant as ``GET /v1/customers/{id}`` returns it, plus its qualifications.

    ``qualifications`` comes from ``GET /v1/customers/{id}/qualifications`` (a list of objects with
    a ``qualification`` field); an empty list means a plain commercial customer.
    """

    id: str
    company_profile: Optional[CompanyProfile] = Field(None, alias='companyProfile')
    billing_profile: Optional[BillingProfile] = Field(None, alias='billingProfile')
    relationship_to_partner: Optional[str] = Field(None, alias='relationshipToPartner')
    qualifications: List[str] = Field(default_factory=list)

    @property
    def country(self) -> Optional[str]:
        address = self.billing_profile.default_address if self.billing_profile else None
        return address.country.upper() if address and address.country else None

    @property
    def company_name(self) -> Optional[str]:
        if self.company_profile and self.company_profile.company_name:
            return self.company_profile.company_name
        return self.billing_profile.company_name if self.billing_profile else None


MICROSOFT_CUSTOMER_AGREEMENT = 'MicrosoftCustomerAgreement'


class AgreementMetadata(ApiModel):
    """One agreement template of ``GET /v1/agreements`` (the template an acceptance names)."""

    template_id: Optional[str] = Field(None, alias='templateId')
    agreement_type: Optional[str] = Field(None, alias='agreementType')
    type: Optional[str] = None
    agreement_link: Optional[str] = Field(None, alias='agreementLink')
    version_rank: Optional[int] = Field(None, alias='versionRank')

    @property
    def kind(self) -> str:
        return self.agreement_type or self.type or ''


class Sku(ApiModel):
    id: str
    product_id: Optional[str] = Field(None, alias='productId')
    title: Optional[str] = None
    description: Optional[str] = None
    consumption_type: Optional[str] = Field(None, alias='consumptionType')

    @property
    def is_overage_capable(self) -> bool:
        return (self.consumption_type or '').lower() == CONSUMPTION_TYPE_OVERAGE
