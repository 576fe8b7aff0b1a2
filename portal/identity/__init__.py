"""Sign-in for organisations: OIDC single sign-on, a second factor, lockout and session rules.

Well-kept libraries do the protocol work (mozilla-django-oidc, django-otp,
django-axes); this package holds the portal's policy around them.
"""
