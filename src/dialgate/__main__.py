from dialgate.cli.main import main

main()
