"""Programs: invite a new client, recommend the bank, partner offers and cashback.

``service.py`` (invites), ``recommendations.py``, ``partners.py`` and ``cashback.py`` are the entry points;
``programs.yaml`` (or its AppConfig twin, see ``config.py`` and ``settings.py``) is the data they obey;
``repository.py`` documents the rows they add to the customers table; ``ports.py`` the Protocols the bank
and partner clients are plugged in through.
"""
