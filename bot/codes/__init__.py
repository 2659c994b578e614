"""The health code: issuing and renewing the signed token, drawing the image, "show my code"."""
