"""gunicorn's settings beside the command line of the Procfiles (gunicorn reads this file by itself).

The access log never holds a one-time link: a password reset or invitation opens ``/reset/<token>``
(and the next page's Referer names it), so every logged field has the token masked.
"""

from gunicorn.glogging import Logger

from debitor.logmask import masked


class MaskingLogger(Logger):
    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        return {k: masked(v) if isinstance(v, str) else v for k, v in atoms.items()}


logger_class = MaskingLogger
