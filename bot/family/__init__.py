"""Family members: codes for a child or an elderly parent without a phone of their own (issue 16)."""
