"""The sandbox's HTML pages (not API operations): HighLevel's authorization page, and a sign-up button."""
from . import install_api, signup
from .install_api import Page

PAGES = {
    install_api.MARKETPLACE_PATH: install_api.authorization_page,
    signup.SIGN_UP_PATH: signup.sign_up_page,
}

__all__ = ["PAGES", "Page"]
