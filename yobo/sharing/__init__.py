"""Two offices sharing one casebook repository: signing, ``verify``, the remote's hook, ``sync``.

A 居宅 (居宅介護支援事業所) and the 包括 (地域包括支援センター) that entrusts it commit to one
git repository.  Each writes only its own files (``kinds.owner_of``); this package
proves it from history and keeps the shared remote honest.
"""
