"""What an error report may show: never a token, key or password, in DEBUG as in production.

Django's SafeExceptionReporterFilter blanks settings and request headers by name, but frame locals
and POST data only where a view was decorated with sensitive_variables / sensitive_post_parameters,
and not at all while DEBUG is on. This filter (DEFAULT_EXCEPTION_REPORTER_FILTER) is used by the
technical 500 page and by the reports mailed to ADMINS; it blanks, always:

- every setting, header (request.META: HTTP_AUTHORIZATION...), cookie, POST field and local
  variable whose name looks sensitive (HIDDEN_NAMES), and the same keys inside dicts and QueryDicts;
- every value that is a backoffice.crypto.Secret (a decrypted token), whatever it is called.
"""
import re

from django.utils.datastructures import MultiValueDict
from django.views.debug import SafeExceptionReporterFilter

from backoffice.crypto import Secret

# Django's own list plus the names this project's tokens go by (HighLevel private integration
# tokens are "pit", OAuth has refresh and access tokens). Matched anywhere in the name, any case.
HIDDEN_NAMES = re.compile(
    r"API|AUTH|TOKEN|KEY|SECRET|PASS|SIGNATURE|HTTP_COOKIE|PIT|REFRESH|ACCESS|CREDENTIAL|BEARER", flags=re.I
)


class SecretsReporterFilter(SafeExceptionReporterFilter):
    hidden_settings = HIDDEN_NAMES

    def is_active(self, request):
        # Django switches its filter off in DEBUG; the debug page is where a token would be read first.
        return True

    def cleanse_setting(self, key, value):
        if isinstance(value, Secret):
            return self.cleansed_substitute
        return super().cleanse_setting(key, value)  # by name; recurses into dicts, lists and tuples

    def get_cleansed_multivaluedict(self, request, multivaluedict):
        multivaluedict = super().get_cleansed_multivaluedict(request, multivaluedict)
        sensitive = [key for key in multivaluedict if self._sensitive_name(key)]
        if sensitive:
            multivaluedict = multivaluedict.copy()
            for key in sensitive:
                multivaluedict.setlist(key, [self.cleansed_substitute])
        return multivaluedict

    def get_post_parameters(self, request):
        if request is None:
            return {}
        return self.get_cleansed_multivaluedict(request, super().get_post_parameters(request))

    def get_traceback_frame_variables(self, request, tb_frame):
        variables = super().get_traceback_frame_variables(request, tb_frame)
        return [(name, self._cleanse_local(name, value)) for name, value in variables]

    def _cleanse_local(self, name, value):
        if isinstance(value, MultiValueDict):  # request.POST or GET held in a local
            return self.get_cleansed_multivaluedict(None, value)
        try:
            return self.cleanse_setting(name, value)
        except RecursionError:  # a dict or list that holds itself: blank it rather than lose the report
            return self.cleansed_substitute

    def _sensitive_name(self, name):
        return isinstance(name, str) and bool(self.hidden_settings.search(name))
