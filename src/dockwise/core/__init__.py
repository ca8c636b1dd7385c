"""What every domain shares: findings and severities, the one Rule contract and its registry, settings, domain
knowledge (secret and junk patterns, platforms), external programs, atomic files and errors."""
