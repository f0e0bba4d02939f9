"""1CClientBankExchange: the plain-text format in which banks and 1C exchange statements and payment orders.

``parser`` reads a statement (bank → 1C, ``kl_to_1c.txt``) one document at a time in constant memory, on
``blocks`` (bytes → lines of text, the encoding) and ``fields`` (the rules of the values); ``statement``
holds the keys and the typed results, ``errors`` what the reader says; ``writer`` writes the same format
(also used for the 1C → bank direction, ``1c_to_kl.txt``). ``enterprise_data`` exports a period's invoices,
acts and credit notes to 1C:Бухгалтерия as an EnterpriseData message, built by ``enterprise_xml``.
"""
