"""The HTML pages, one module per surface: booking (and the home page), display, staff,
tournaments (desk, scoreboard, scorer) and account (password reset). `common` holds what they
share. Every page is a server-rendered shell: the data after first paint comes from the API and
the live streams (static/js/live.js); the language follows Accept-Language (LocaleMiddleware)."""
