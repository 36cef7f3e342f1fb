"""The simulated agent: a chat message through the rule-based editor (intents, draft edits, the
explainer's layout) to what the agent says, in English or Chinese."""
