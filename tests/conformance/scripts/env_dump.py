"""The whole environment, including variables set only for this call (sorted)."""
import json
import os

print(json.dumps(dict(sorted(os.environ.items())), indent=0, ensure_ascii=False))
print(sorted(os.environb.items()))
print("CONF_ONLY_THIS_CALL" in os.environ, os.environ.get("CONF_ONLY_THIS_CALL"))
