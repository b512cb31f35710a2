from app.repositories.conversations import ConversationRepository
from app.repositories.keys import KeyRepository

__all__ = ["ConversationRepository", "KeyRepository"]
