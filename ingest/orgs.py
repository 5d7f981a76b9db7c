"""Organization names for the parser: re-exported from :mod:`kg.orgnames`, the one module that owns them."""

from kg.orgnames import Context, code_committee, committee_of, org_case

__all__ = ["Context", "code_committee", "committee_of", "org_case"]
