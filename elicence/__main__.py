from elicence.cli import main

main()
