"""The FHIR REST API under ``/fhir/``, read only, for apps a family authorizes.

Invariants this package protects (``interop/tests/test_api*.py`` prove them):

* Only a personal access token (``Authorization: Bearer ...``) opens the API;
  a signed-in session does not. A token belongs to one person and one child
  and carries FHIR scopes (``patient/*.read``, ``patient/Condition.read``...).
* A token never sees more than its owner: every call asks ``children.access``
  as the owner, on the token's child, and keeps only the resource types the
  token's scopes name. A token stops working at once when it is revoked,
  expires, or its owner's grant on the child is revoked or ends.
* What a token cannot see is a 404, never a 403, and is never counted in a
  search's ``total``. Errors are OperationOutcome resources.
* Every call made with a known token is audited (verb "api").
"""
