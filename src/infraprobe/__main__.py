from infraprobe.cli.main import main

main()
