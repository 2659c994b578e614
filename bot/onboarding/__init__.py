"""First contact and the basics: /start, language, the privacy notice, /help, /cancel."""
