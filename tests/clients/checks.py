"""What both client scripts print: `ok NAME`, `refused NAME CODE` where the
real service refuses too, or `FAIL NAME: why`; the count of failures last."""


class Checks:
    def __init__(self, error_type, code_of):
        self.error_type = error_type
        self.code_of = code_of
        self.failed = 0

    def fail(self, name, why):
        self.failed += 1
        print(f"FAIL {name}: {why}")

    def check(self, name, f, refused=None):
        """Runs f; a refusal counts as expected only with the service's code for it."""
        try:
            out = f()
        except self.error_type as e:
            code = self.code_of(e)
            if refused is not None and code == refused:
                print(f"refused {name} {code}")
            else:
                self.fail(name, f"{code} {e}")
            return None
        except Exception as e:  # noqa: BLE001 - a client that cannot read an answer is a failure
            self.fail(name, f"{type(e).__name__}: {e}")
            return None
        if refused is not None:
            self.fail(name, f"accepted, the service answers {refused}")
            return None
        print(f"ok {name}")
        return out

    def expect(self, name, cond, what):
        if cond:
            print(f"ok {name}")
        else:
            self.fail(name, what)

    def done(self):
        print(f"{self.failed} failed")
        return 1 if self.failed else 0
