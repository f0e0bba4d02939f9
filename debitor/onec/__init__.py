"""1CClientBankExchange: the plain-text format in which banks and 1C exchange statements and payment orders.

``parser`` reads a statement (bank → 1C, ``kl_to_1c.txt``) one document at a time in constant memory;
``writer`` writes the same format (also used for the 1C → bank direction, ``1c_to_kl.txt``).
"""
