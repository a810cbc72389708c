"""The bank's four programs, one module each; each module holds the program's rules and the
operations its Lambdas call (``functions/operations/<operation>/app.py``):

* ``invite.py``: invite a new client (attribution at registration, both bonuses); what the referrer sees is
  ``referrer.py`` (the share links, the friends who joined) and ``sharing.py`` (operation get_referral, the picture);
* ``recommend.py``: recommend the bank to a contact (milestone bonuses as recommendations convert);
* ``partner_offers.py``: the partners' offers (GameArena, Twitch, Burger King, Grushovka) and their activation;
* ``cashback.py``: cashback this month on the card's purchases; its rules for one operation are ``cashback_rules.py``.

``card_issuance.py`` is the card-issuance journey's step that pays the invite and recommend bonuses.
What they share: ``terms.yaml`` (the programs' terms: bonuses, caps, rates, partners and offers; or its
AppConfig twin) and its schema ``terms.py``; ``bonuses.py`` (a bonus paid once); ``repository.py`` (the
rows the programs add to the customers table); ``bank.py`` (the bank and the partners as the programs
ask them: Protocols the tests fake, and their implementations over ``banking.service``); ``keys.py``,
``models.py``, ``errors.py``, ``settings.py``. The conversation's menu for them is the flow
``conversation/flows/programs.yaml``.
"""
