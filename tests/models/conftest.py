import sys
from pathlib import Path

# Let the tests here import the strategies module beside them.
sys.path.insert(0, str(Path(__file__).parent))
