"""(capability under construction)"""
