"""Pure figure builders and text escaping for the workbench (no Streamlit here)."""
