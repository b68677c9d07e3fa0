"""Demo data for the 14 "一件事" themes of 梁子湖区 (themes.json) and the loader behind
`python -m yishi load_demo`."""
