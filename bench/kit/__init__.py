"""What the benches need: private servers, a daphne process, the client half of the live
protocol, SQL audits. Tests import these too; nothing here imports from tests/."""
