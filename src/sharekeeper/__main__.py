from sharekeeper.cli.main import main

main()
