"""The other half of a relative-import pair."""
GREETING = "hello from convpkg.helper"


def describe(spec):
    return None if spec is None else {"name": spec.name, "parent": spec.parent,
                                      "origin_tail": spec.origin.rsplit("/", 2)[-2:]}
