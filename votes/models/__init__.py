"""SQLAlchemy 2.x typed mappings. Importing this package registers every table."""

from votes.models.access import DeviceKey, LobbyFailure, SmsPhoneCount, VoterAccess
from votes.models.base import Base, utcnow
from votes.models.chain import Ballot, ChainEntry, Evidence, ServerKey, Verification
from votes.models.community import Community
from votes.models.money import FundDebit
from votes.models.objection import Objection
from votes.models.procedure import ProxyRecord, Transfer
from votes.models.proposal import (FrozenUnit, FrozenVoter, Proposal, ProposalDocument,
                                   ProposalItem)
from votes.models.roll import Owner, Ownership, Unit
from votes.models.staff import (AuditEntry, SignInDevice, SignInThrottle, StaffCommunity,
                                 StaffUser, Visit)
from votes.models.witness import WitnessCosignature

__all__ = ["AuditEntry", "Ballot", "Base", "ChainEntry", "Community", "DeviceKey", "Evidence", "FrozenUnit", "FundDebit",
           "FrozenVoter", "Owner", "Ownership", "Proposal", "ProposalDocument", "ProposalItem",
           "ProxyRecord", "ServerKey", "SignInDevice", "SignInThrottle", "SmsPhoneCount", "StaffCommunity", "StaffUser", "Unit", "Verification", "Transfer", "Visit",
           "VoterAccess", "LobbyFailure", "WitnessCosignature", "Objection",
           "utcnow"]
