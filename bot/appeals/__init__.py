"""Appeals against a colour: the person contests a reason, a reviewer upholds it or grants an override."""
