from fairscreen.cli import main

main()
