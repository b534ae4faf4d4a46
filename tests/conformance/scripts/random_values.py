"""Values a fresh process draws anew: two runs must differ (printed as JSON)."""
import json
import os
import random
import secrets
import tempfile
import uuid

print(json.dumps({
    "random": random.random(),
    "getrandbits": random.getrandbits(64),
    "new_random": random.Random().random(),
    "urandom": os.urandom(8).hex(),
    "uuid4": uuid.uuid4().hex,
    "token": secrets.token_hex(8),
    "tempname": next(tempfile._get_candidate_names()),
    "hash_str": hash("conformance"),
    "hash_bytes": hash(b"conformance"),
}))
