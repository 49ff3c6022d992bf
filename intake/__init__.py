"""Intake: everything between a mailbox and a routing decision.

Sources read raw mail (IMAP, maildir, mbox, .eml files); `parse` turns bytes into a
`ParsedMail`; `disposition` decides what kind of mail it is; `extract` pulls out what the desk
needs to know; `threading` finds the ticket a reply belongs to. Next stop: `routing`.
"""
