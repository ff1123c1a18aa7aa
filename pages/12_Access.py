"""Access: who is signed in, who has which role, and the audit log of every change and refusal."""

from ui import access_page

access_page.render()
