__version__ = "0.1.0"
# who wrote a document we produce (its core properties): a reviewer's later save names someone else,
# which is how the read-back tells their file from ours; here, not in the renderers, so reading it
# back does not import python-docx
AUTHOR = "项目支出绩效自评工具"
