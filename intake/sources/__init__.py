"""Where raw mail comes from: files, maildirs and mbox files (`files`), IMAP folders (`imap`).

Every source hands out `Batch`es of `RawMail` and is told afterwards, once the batch is
committed, to acknowledge it (`base.MailSource`); `postkamer.service` drives them.
"""
