"""The 梁子湖区 demo catalog: JSON files with regions, departments, topics and matters, and the
loader behind `python -m yishi load_demo`."""
