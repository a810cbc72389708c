"""A person when the bot cannot help: a chat handed to the bank's operators, and back to the bot."""
