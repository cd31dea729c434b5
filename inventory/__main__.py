from inventory.entrypoints.cli.main import run

run()
