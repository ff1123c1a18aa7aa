"""Shared Streamlit components for the cxkpi app; pages import these and hold layout only."""
